"""Callbacks routes."""

from fastapi import APIRouter

router = APIRouter(tags=["callbacks"])
