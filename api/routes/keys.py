"""Keys routes."""

from fastapi import APIRouter

router = APIRouter(tags=["keys"])
