"""A payment's status history, a building block inside a use case's transaction: payments move
forward only, and every move is recorded."""

from ..models import Payment, PaymentEvent, PaymentStatus


def advance(
    session, payment: Payment, status: PaymentStatus, detail: str = "", event_id: str = ""
) -> bool:
    """Move a payment forward and record it; False (and nothing written) if it cannot move there.
    Late or repeated events therefore never move a payment back."""
    if not payment.can_become(status):
        return False
    payment.status = status
    session.add(
        PaymentEvent(
            payment_id=payment.id,
            status=status.value,
            detail=detail[:500],
            stripe_event_id=event_id,
        )
    )
    return True
