"""Preview links for people without an account, and their agreement to a version.

An editor makes a link for a named recipient (a contributor, a partner); the
recipient sees the post as readers will and may agree to that exact version or
ask for changes. Staff see the answers on the post's admin page.
"""
