"""Schemathesis (4.x) hooks for ApiFuzzIT: Athanor's own error contract on top of the built-in checks.

Loaded with SCHEMATHESIS_HOOKS=athanor_checks (this directory on PYTHONPATH).
"""
import schemathesis


@schemathesis.check
def problem_json(ctx, response, case):
    """Every 4xx and 5xx answer of the API is RFC 9457 problem+json with a title and the HTTP status."""
    if response.status_code < 400:
        return None
    content_type = ";".join(response.headers.get("content-type", []))
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(
            f"{response.status_code} answered with Content-Type {content_type!r}, not application/problem+json")
    body = response.json()
    for field in ("title", "status"):
        if field not in body:
            raise AssertionError(f"problem+json body without '{field}': {body}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} differs from HTTP status {response.status_code}")
    return None
