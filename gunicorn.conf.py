"""Gunicorn settings read from the working directory (`gunicorn -w 4 run:app`): hide the server's name and version."""
import gunicorn.http.wsgi

# gunicorn writes "Server: gunicorn" on every response from this module-level name; the app adds no Server header
gunicorn.http.wsgi.SERVER = "GEMS"
