"""双告知 (registration_push): a registration is pushed to the approval departments its business scope names."""
