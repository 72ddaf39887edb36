from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError
from jifen.lib.http import client_address
from jifen.people import auth, selectors, services
from jifen.regions.selectors import get_region
from jifen.web.forms import LoginForm, PasswordChangeForm, RegisterForm, add_domain_error


def _next_url(request: HttpRequest, default: str = "web:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = auth.authenticate(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.render())
        else:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_next_url(request))
    return render(request, "web/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("web:login")


def register_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referrer = None
            if data["referrer"]:
                referrer = selectors.find_by_volunteer_no(data["referrer"])
                if referrer is None:
                    form.add_error("referrer", _("No volunteer has this number."))
            if not form.errors:
                auth.throttle_registration(phone=data["phone"], address=client_address(request))
                person = services.register_self(
                    name=data["name"],
                    phone=data["phone"],
                    password=data["password"],
                    community=get_region(data["community"]),
                    referrer=referrer,
                    consent=bool(data["agree"]),
                )
        except DomainError as exc:
            add_domain_error(form, exc)
        if not form.errors:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            # They answered about publication in the form: not asked again at once.
            request.session["consent_asked"] = True
            messages.success(
                request,
                _("Welcome! Your volunteer number is %(number)s.")
                % {"number": person.volunteer_no},
            )
            return redirect("web:home")
    return render(request, "web/register.html", {"form": form})


@login_required
def password_view(request: HttpRequest) -> HttpResponse:
    """Change one's own password; where ``PasswordChangeMiddleware`` sends a person whose
    password someone else set, and on to the page they asked for."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                person=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("Your password has been changed."))
            return redirect(_next_url(request))
    return render(
        request,
        "web/password.html",
        {
            "form": form,
            "forced": request.user.must_change_password,  # type: ignore[union-attr]
            "next": request.GET.get("next", ""),
        },
    )


@login_required
def consent_view(request: HttpRequest) -> HttpResponse:
    """Publication of one's masked name: its state; agree (or not now); withdraw, after a
    confirmation (``?withdraw=1``) that says what withdrawing does and does not do."""
    person = request.user
    if request.method == "POST":
        request.session["consent_asked"] = True
        answer = request.POST.get("answer")
        if answer == "agree":
            services.record_consent(person=person)  # type: ignore[arg-type]
            messages.success(request, _("Thank you. Your consent has been recorded."))
        elif answer == "withdraw":
            services.withdraw_consent(person=person)  # type: ignore[arg-type]
            messages.success(
                request,
                _(
                    "Your consent is withdrawn. From the next monthly announcement on, public "
                    "pages show you as “volunteer” with your number."
                ),
            )
        else:
            messages.info(
                request,
                _(
                    "Public pages will show you only as a volunteer number. "
                    "You can agree later on your points page."
                ),
            )
        return redirect(_next_url(request))
    return render(
        request,
        "web/consent.html",
        {
            "next": request.GET.get("next", ""),
            "confirm_withdraw": request.GET.get("withdraw") == "1"
            and person.consent_at is not None,  # type: ignore[union-attr]
        },
    )
