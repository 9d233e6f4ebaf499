"""Audit routes."""

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
