"""Photos: uploads and chat images, cleaned (EXIF dropped), re-encoded, stored with a thumbnail."""
