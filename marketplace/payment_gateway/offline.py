"""The offline mode: no money moves online. Priced lots are paid to the seller at pickup and
no-show deposits are switched off; the pages say so. Nothing here pretends to take money."""

from .gateway import CheckoutRequest, CheckoutSession, GatewayError


class OfflineGateway:
    name = "offline"
    online = False

    def _refuse(self, *args, **kwargs):
        raise GatewayError("online payments are not configured (offline mode: pay at pickup)")

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self._refuse()

    refund = capture = release = create_connected_account = onboarding_link = account_status = (
        _refuse
    )
    parse_event = _refuse
