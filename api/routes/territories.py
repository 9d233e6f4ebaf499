"""Territories routes."""

from fastapi import APIRouter

router = APIRouter(tags=["territories"])
