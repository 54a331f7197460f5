"""Template context: the regency whose site this is, or None on the province site."""


def regency(request):
    return {"current_regency": getattr(request, "tenant", None)}
