"""Every side effect in one table: which handlers the outbox runs for each topic, and the
scheduled chores the worker runs on every pass (as cosmicpython's handlers module does).

The app factory hands this table to the outbox at start-up; nothing registers itself by being
imported. `when` names the config flag that switches a handler on (marketplace/config.py).
Enqueuing a topic that is not a key here raises `outbox.UnknownTopic`.
"""

from .account_mail import (
    send_address_changed,
    send_confirmation,
    send_email_change,
    send_password_reset,
    send_signup_attempt,
)
from .notifications import (
    notify_reservation,
    notify_reservation_batch,
    send_email,
    send_email_batch,
)
from .outbox import Subscriber
from .search.sync import (
    index_embedded,
    index_embedded_batch,
    index_meilisearch,
    index_meilisearch_batch,
)
from .services.chores import (
    expire_listings,
    expire_overdue,
    expire_wanted,
    send_reminders,
    warn_unclaimed,
)
from .services.hand_on import notify_unclaimed
from .services.messages import notify_message_posted
from .services.moderation import notify_listing_hidden
from .services.saved_searches import alert_saved_searches
from .services.settlement import settle
from .services.staged_release import notify_available_from_moved
from .services.verification import check_trade_register, notify_organization_verified
from .services.wanted_alerts import alert_organizations, alert_posters, alert_posters_batch

NOTIFY = Subscriber(notify_reservation, batch=notify_reservation_batch)  # any reservation topic
SETTLE = Subscriber(settle, when="STRIPE_ENABLED")  # money moves only with Stripe on

HANDLERS: dict[str, tuple[Subscriber, ...]] = {
    # A listing changed (created, edited, reserved, hidden…): keep the search indexes in step.
    "listing.changed": (
        # (in batches: each listing written once per batch, in its latest state)
        Subscriber(index_embedded, batch=index_embedded_batch, first=True),
        Subscriber(
            index_meilisearch, when="MEILI_ENABLED", batch=index_meilisearch_batch, first=True
        ),
    ),
    # An edited or unhidden listing may match more: tell the open wanted posts it now matches
    # (services/listing_log.py decides which changes these are; delivered after the indexing).
    "listing.restocked": (Subscriber(alert_posters, batch=alert_posters_batch),),
    # A new listing is findable: tell the users whose saved search it matches.
    "listing.indexed": (
        Subscriber(alert_saved_searches),
        Subscriber(alert_posters, batch=alert_posters_batch),
    ),
    # A new wanted post: tell the organisations whose listings match (once per post and listing).
    "wanted.created": (Subscriber(alert_organizations),),
    # A still-installed lot's date moved later: tell the reservers whose pickup falls before it.
    "listing.available_from_moved": (Subscriber(notify_available_from_moved),),
    # A lot nears the end of its window with nothing reserved: offer its builders the ways on.
    "listing.unclaimed": (Subscriber(notify_unclaimed),),
    # The city hid a listing: tell its builders why.
    "listing.hidden": (Subscriber(notify_listing_hidden),),
    # A builder signed up with a new organisation: look it up in the Trade Register (PRH_LOOKUP).
    "organization.registered": (Subscriber(check_trade_register, when="PRH_LOOKUP_ENABLED"),),
    # The city verified an organisation (its pending listings are published): tell its builders.
    "organization.verified": (Subscriber(notify_organization_verified),),
    # Reservation events: in-app notifications; a closed reservation settles its payments.
    "reservation.created": (NOTIFY,),
    "reservation.cancelled": (NOTIFY, SETTLE),
    "reservation.expired": (NOTIFY, SETTLE),
    "reservation.no_show": (NOTIFY, SETTLE),
    "reservation.collected": (NOTIFY, SETTLE),
    "reservation.reminder": (NOTIFY,),
    # A message about a reservation: tell the other side (the taker, or the seller's builders).
    "message.posted": (Subscriber(notify_message_posted),),
    # A payment arrived after its reservation's hold lapsed: give the money back.
    "payment.settle": (SETTLE,),
    # Account e-mails: always sent, by SMTP or as files without MAIL_SERVER (marketplace/mail.py).
    "account.signed_up": (Subscriber(send_confirmation),),
    "account.confirmation_requested": (Subscriber(send_confirmation),),
    "account.password_reset_requested": (Subscriber(send_password_reset),),
    "account.email_change_requested": (Subscriber(send_email_change),),
    "account.email_changed": (Subscriber(send_address_changed),),
    "account.signup_attempted": (Subscriber(send_signup_attempt),),
    # Every notification: its e-mail copy, when mail is configured.
    "notification.created": (
        Subscriber(send_email, when="MAIL_ENABLED", batch=send_email_batch),  # one SMTP connection
    ),
}

# Scheduled chores, run by the worker before each round of deliveries, in this order.
CHORES = (expire_overdue, expire_listings, send_reminders, expire_wanted, warn_unclaimed)
