"""FAB views and APIs: thin declarations over the models, registered in register_views()."""
