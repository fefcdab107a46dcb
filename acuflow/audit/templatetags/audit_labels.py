from __future__ import annotations

from django import template

from acuflow.audit.labels import channel_label, object_label

register = template.Library()
register.filter("object_label", object_label)
register.filter("channel_label", channel_label)
