"""The enterprise directory (名录库): enterprises, credit-code checks, the directory service."""
