"""Flooded roads: the book of marked road segments, by hand or from a river gauge."""
