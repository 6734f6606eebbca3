"""Owner scoping for the Django admin: a staff user who is not a superuser only ever sees, links and acts on
their own records (the admin counterpart of ``config.ownership`` for the API).

Superusers keep the whole database. Model permissions still decide *what* a user may do; these classes decide
*on which rows*.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model, QuerySet


def acting_user(request):
    """The user a service should check ownership against: ``None`` (trusted) for superusers, else the user."""
    return None if request.user.is_superuser else request.user


def owner_lookup(model: type[Model], site: admin.AdminSite | None = None) -> str:
    """The lookup from ``model`` to the user who owns it (``owner``, ``stream__owner``, ...).

    The user model owns itself (``pk``); a model registered with an ``OwnedAdmin`` says so in ``owner_field``;
    otherwise a model must have an ``owner`` field, or we refuse rather than show another user's rows.
    """
    if model is get_user_model():
        return "pk"
    model_admin = (site or admin.site)._registry.get(model)
    if isinstance(model_admin, OwnedAdmin):
        return model_admin.owner_field
    if not _has_field(model, "owner"):
        raise ImproperlyConfigured(
            f"{model._meta.label} has no owner: register it with an OwnedAdmin that names its owner_field"
        )
    return "owner"


def owned_by(queryset: QuerySet, user, site: admin.AdminSite | None = None) -> QuerySet:
    """``queryset`` narrowed to ``user``'s rows (all of them for a superuser)."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{owner_lookup(queryset.model, site): user.pk})


class OwnedChoicesMixin:
    """Foreign-key and many-to-many choices (selects, filter_horizontal, inlines) offer only the user's rows."""

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser:
            return queryset
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return owned_by(queryset, request.user, self.admin_site)


class OwnedTabularInline(OwnedChoicesMixin, admin.TabularInline):
    """An inline's rows come through its (already owned) parent; its choices must be owned too."""


class OwnedAdmin(OwnedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a user through ``owner_field`` (e.g. ``owner`` or ``stream__owner``).

    For a user who is not a superuser: the changelist, change, delete and history pages and every action see only
    their rows (all of those go through ``get_queryset``); the owner cannot be chosen (it is shown read-only and
    set to the user on create); related-field list filters list only values found in the user's rows.
    """

    owner_field = "owner"

    def get_queryset(self, request):
        return owned_by(super().get_queryset(request), request.user, self.admin_site)

    def _has_owner_field(self) -> bool:
        return self.owner_field == "owner"

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if self._has_owner_field() and not request.user.is_superuser and "owner" not in readonly:
            readonly += ("owner",)
        return readonly

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        # The default related filter lists every row of the related table, other users' names included.
        return [self._owned_filter(item) for item in filters]

    def _owned_filter(self, item):
        if not isinstance(item, str):
            return item
        field = self._filter_field(item)
        return (item, RelatedOnlyFieldListFilter) if field is not None and field.is_relation else item

    def _filter_field(self, path: str):
        model, field = self.model, None
        for name in path.split("__"):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            model = field.related_model if field.is_relation else model
        return field

    def save_model(self, request, obj, form, change):
        if self._has_owner_field() and not change and (not request.user.is_superuser or not obj.owner_id):
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """New rows added in an inline belong to the parent's owner."""
        owner = getattr(form.instance, "owner", None) if self._has_owner_field() else None
        for instance in formset.save(commit=False):
            if _has_field(type(instance), "owner") and not instance.owner_id:
                instance.owner = owner or request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
