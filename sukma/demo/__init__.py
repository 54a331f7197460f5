"""The demo: East Java's regencies provisioned and seeded through the real services.

It plays every role (the province, a regency's admins, citizens), so it sits above
both planes, beside the API and the worker. `make demo` runs run_demo, which seeds
(seed_demo, idempotent) and starts the web server, a worker and beat.
"""
