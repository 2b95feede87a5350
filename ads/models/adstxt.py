"""The records and variables of ads.txt and app-ads.txt."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

ADS_TXT_VARIABLES = [
    "CONTACT",
    "SUBDOMAIN",
    "INVENTORYPARTNERDOMAIN",
    "OWNERDOMAIN",
    "MANAGERDOMAIN",
]


class AdsTxtFile(models.TextChoices):
    ADS = "ads", "ads.txt"
    APP_ADS = "app-ads", "app-ads.txt"


class AdsTxtRecord(models.Model):
    """One authorised seller line of ads.txt or app-ads.txt."""

    class Relationship(models.TextChoices):
        DIRECT = "DIRECT", "DIRECT"
        RESELLER = "RESELLER", "RESELLER"

    file = models.CharField(max_length=10, choices=AdsTxtFile, default=AdsTxtFile.ADS)
    domain = models.CharField(
        "ad system domain", max_length=253, help_text="e.g. google.com (no http://)."
    )
    account_id = models.CharField(
        "publisher account id", max_length=200, help_text="e.g. pub-1234567890123456."
    )
    relationship = models.CharField(max_length=8, choices=Relationship)
    certification_id = models.CharField(
        "certification authority id",
        max_length=64,
        blank=True,
        help_text="Optional, e.g. f08c47fec0942fa0 for Google.",
    )
    comment = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["file", "position", "pk"]
        verbose_name = "ads.txt record"
        constraints = [
            models.CheckConstraint(
                condition=Q(relationship__in=["DIRECT", "RESELLER"]),
                name="adstxt_relationship_valid",
            ),
            models.CheckConstraint(condition=Q(file__in=AdsTxtFile.values), name="adstxt_file"),
        ]

    def __str__(self):
        return self.as_line()

    def as_line(self) -> str:
        fields = [self.domain.lower(), self.account_id, self.relationship]
        if self.certification_id:
            fields.append(self.certification_id)
        line = ", ".join(fields)
        return f"{line} # {self.comment}" if self.comment else line

    def clean(self):
        from ads.adstxt import record_errors

        errors = record_errors(
            domain=self.domain,
            account_id=self.account_id,
            relationship=self.relationship,
            certification_id=self.certification_id,
        )
        if self.comment and "\n" in self.comment:
            errors["comment"] = "A comment must fit on one line."
        if errors:
            raise ValidationError(errors)


class AdsTxtVariable(models.Model):
    """A variable line of ads.txt or app-ads.txt (CONTACT=…, OWNERDOMAIN=…)."""

    class Name(models.TextChoices):
        CONTACT = "CONTACT", "CONTACT"
        SUBDOMAIN = "SUBDOMAIN", "SUBDOMAIN"
        INVENTORYPARTNERDOMAIN = "INVENTORYPARTNERDOMAIN", "INVENTORYPARTNERDOMAIN"
        OWNERDOMAIN = "OWNERDOMAIN", "OWNERDOMAIN"
        MANAGERDOMAIN = "MANAGERDOMAIN", "MANAGERDOMAIN"

    file = models.CharField(max_length=10, choices=AdsTxtFile, default=AdsTxtFile.ADS)
    name = models.CharField(max_length=30, choices=Name)
    value = models.CharField(max_length=253)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["file", "position", "pk"]
        verbose_name = "ads.txt variable"
        constraints = [
            models.CheckConstraint(
                condition=Q(name__in=ADS_TXT_VARIABLES), name="adstxt_variable_name"
            ),
            models.CheckConstraint(
                condition=Q(file__in=AdsTxtFile.values), name="adstxt_variable_file"
            ),
        ]

    def __str__(self):
        return self.as_line()

    def as_line(self) -> str:
        return f"{self.name}={self.value}"

    def clean(self):
        from ads.adstxt import variable_error

        error = variable_error(self.name, self.value)
        if error:
            raise ValidationError({"value": error})
