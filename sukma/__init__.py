"""SuKMa: the electronic community-satisfaction survey, one schema per regency."""
