"""The citizen's path: the survey page a counter's QR opens, its form, and what guards it.

- views.py: the survey page and its thank-you page (phone first, no JavaScript needed);
- forms.py: parses what the phone posted into a Submission;
- protection.py: the client's address, rate limits, the device cookie, the "opened at" stamp;
- submission.py: the survey's rules for one response (checks, flags), then one SQL statement
  (sukma.surveys.recording) stores it;
- language.py: the citizen's choice of Bahasa Indonesia or English.

May use the method, the models, recording and the complaints' case; never the admin pages
(structure, dashboard), the control plane or the API (import-linter holds it to that).
"""
