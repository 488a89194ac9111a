from django.db import models
from django.db.models import Q
from django.urls import reverse


class Person(models.Model):
    """Someone credited on posts: an author or a contact."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Used in the web address of their page."
    )
    job_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Their current role. Each post keeps the role as printed when it was written.",
    )
    bio = models.TextField(blank=True, help_text="A sentence or two shown on their page.")
    photo = models.ImageField(upload_to="people/", blank=True)
    photo_alt = models.CharField(
        "photo description",
        max_length=250,
        blank=True,
        help_text="Describe the photo for people who cannot see it. Required with a photo.",
    )
    email = models.EmailField(blank=True)
    show_email = models.BooleanField(
        "show email publicly",
        default=False,
        help_text="Show this address on posts where they are the contact, and on their page.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""), name="person_photo_has_alt_text"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("posts:person", kwargs={"slug": self.slug})

    @property
    def public_email(self):
        return self.email if self.show_email else ""
