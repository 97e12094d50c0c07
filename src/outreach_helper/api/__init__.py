"""The HTTP edge: routers, response models, problem-details errors, response headers."""
