"""Applications routes."""

from fastapi import APIRouter

router = APIRouter(tags=["applications"])
