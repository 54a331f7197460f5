"""The dashboards of a regency and of each agency, and what an admin does from them.

- views.py: the regency's and an agency's dashboard, flagged responses, QR posters;
- selectors.py: the trend, the periods to pick from, the flagged responses;
- charts.py: charts as inline SVG drawn on the server;
- moderation.py: excluding a response from the index (and taking it back), audited;
- posters.py: the printable QR posters.

Every index figure still comes from sukma.surveys.selectors and the method.
Never uses the citizen's path.
"""
