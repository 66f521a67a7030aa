"""The Migrant Youth Network forum: categories, topics, posts, reports and blocks."""
