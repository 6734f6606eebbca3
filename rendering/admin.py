# Publishing's admins live with publishing; importing them registers them.
import rendering.publishing.admin  # noqa: F401
