"""Background jobs: on RQ over Redis when REDIS_URL is set (`gems worker`), in-process otherwise (`make run`)."""
