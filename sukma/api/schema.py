"""The errors every operation can answer, added to its OpenAPI description in one place.

Each view documents the errors of its own rules (400 for a refused change, 404 for a missing
object, 409, 429). Some come from the layers under every view instead, and a view cannot
know them; they are added here, after the schema is generated, in the one error shape
(sukma.api.errors), unless the view documented that code itself:

- 400: the body or a query parameter could not be read (malformed JSON, limit=abc);
- 401 and 403: no valid credentials, or not this caller's to do (signed-in operations);
- 404: no such object (operations with a path parameter);
- 413 and 415: a body too large, or in a media type the operation does not take;
- 503: the regency is suspended, or the database is away for a moment: try again after
  Retry-After (sukma.tenants.middleware, sukma.errors).
"""

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}

COMMON = {
    "400": "The request could not be read: a malformed body or query parameter.",
    "401": "No token, or a token that is unknown, expired or revoked: sign in again.",
    "403": "Not allowed for this account.",
    "404": "No such object.",
    "413": "The request is too large.",
    "415": "The body is in a media type this operation does not take.",
    "503": "Unavailable for now (a suspended regency, or the database away for a moment): "
    "try again after Retry-After.",
}


def _signed_in(operation: dict) -> bool:
    """Whether the operation needs credentials: it has security and none of it is optional."""
    security = operation.get("security")
    return bool(security) and {} not in security


def _codes_that_can_happen(operation: dict) -> list[str]:
    codes = ["503"]
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        codes += ["400", "413", "415"]
    if any(p["in"] == "query" for p in parameters):
        codes.append("400")
    if any(p["in"] == "path" for p in parameters):
        codes.append("404")
    if _signed_in(operation):
        codes += ["401", "403"]
    return codes


def add_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code in _codes_that_can_happen(operation):
                responses.setdefault(
                    code,
                    {
                        "description": COMMON[code],
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                )
    return result
