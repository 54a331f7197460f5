"""The small server-side chart of a figure, for templates: {% load meters %}.

{{ figure.konversi|meter:figure.mutu }} draws sukma.surveys.dashboard.charts.score_meter;
the province's pages use it too (a template library, not an import of the dashboard).
"""

from django import template

from sukma.surveys.dashboard.charts import score_meter

register = template.Library()


@register.filter
def meter(konversi, mutu=None):
    return score_meter(konversi, mutu)
