"""Person routes."""

from fastapi import APIRouter

router = APIRouter(tags=["person"])
