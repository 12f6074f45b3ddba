"""One module per benchmark scenario; each returns report rows."""
