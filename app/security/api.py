"""FAB's security API (login, refresh) plus a logout that revokes the presented token on every server."""
from __future__ import annotations

import datetime

from flask import Response, current_app
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.views import expose
from flask_babel import gettext as _
from flask_jwt_extended import get_jwt, jwt_required

from app.security.token_store import token_store
from app.timeutil import utcnow


class GemsSecurityApi(SecurityApi):
    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    def logout(self) -> Response:
        """End the presented token (access or refresh) on every server; the user's other tokens keep working.
        ---
        post:
          description: >-
            Revoke the JWT sent in the Authorization header until it would have expired
          responses:
            200:
              description: The token is revoked
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            401:
              $ref: '#/components/responses/401'
            500:
              $ref: '#/components/responses/500'
          security:
            - jwt: []
        """
        payload = get_jwt()
        if "exp" in payload:
            expires = datetime.datetime.fromtimestamp(payload["exp"], datetime.UTC).replace(tzinfo=None)
        else:  # a token without expiry is kept on the list for the configured refresh lifetime (or a year)
            seconds = current_app.config.get("JWT_REFRESH_TOKEN_EXPIRES") or 365 * 86400
            expires = utcnow() + datetime.timedelta(seconds=int(getattr(seconds, "total_seconds", lambda: seconds)()))
        token_store().deny(str(payload["jti"]), expires)
        return self.response(200, message=_("Signed out."))
