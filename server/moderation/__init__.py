"""Moderation of the forum: the queue, decisions on posts and members, and the moderation log."""
