"""The demo process (demo_claim): push an item to a department, claim and handle it."""
