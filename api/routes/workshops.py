"""Workshops routes."""

from fastapi import APIRouter

router = APIRouter(tags=["workshops"])
