"""Where library records are used, found from the foreign keys that point at them.

The library knows nothing of posts: any model with a foreign key to an Image or a
Document counts (and, being PROTECT, keeps it from deletion). A model whose rows belong
to something else (a resource to its post) names that with `library_owner = "post"`,
so "used in" counts posts, not rows.
"""

from collections import defaultdict

MAX_OWNERS_LISTED = 500


def _relations(model):
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.field.concrete:
            yield (
                relation.related_model,
                relation.field,
                getattr(relation.related_model, "library_owner", None),
            )


def owners_by_record(model, ids):
    """{record id: {(owner model, owner pk)}} for the given records: one query a relation."""
    found = defaultdict(set)
    ids = list(ids)
    if not ids:
        return found
    for related, field, owner_path in _relations(model):
        owner_model = related._meta.get_field(owner_path).related_model if owner_path else related
        rows = (
            related._base_manager.filter(**{f"{field.name}__in": ids})
            .values_list(field.attname, owner_path or "pk")
            .distinct()
        )
        for record_id, owner_pk in rows:
            found[record_id].add((owner_model, owner_pk))
    return found


def owners(record, limit=MAX_OWNERS_LISTED):
    """The objects (posts) that use `record`, at most `limit`, by model then pk."""
    keys = sorted(owners_by_record(type(record), [record.pk])[record.pk],
                  key=lambda k: (k[0]._meta.label, k[1]))[:limit]  # fmt: skip
    by_model = defaultdict(list)
    for owner_model, pk in keys:
        by_model[owner_model].append(pk)
    objects = []
    for owner_model, pks in by_model.items():
        loaded = owner_model._base_manager.in_bulk(pks)
        objects.extend(loaded[pk] for pk in pks if pk in loaded)
    return objects
