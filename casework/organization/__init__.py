"""Who works where: sectors, departments by level, posts; permissions; divisions; master data."""
