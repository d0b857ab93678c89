from django.conf import settings


def site(request):
    # Not "site_name": Django's auth views set that one to the request's host.
    return {"platform_name": settings.SITE_NAME}


def csp_nonce(request):
    """django-csp 4 names it CSP_NONCE; django-htmx's {% htmx_script %} reads csp_nonce."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
