from collections.abc import Sequence

import attrs

from application.conversation_views import ConversationSummary, ConversationViews
from application.staff_identity import StaffIdentity

# Enough for a front desk's day; older conversations are reached from the member's newer ones.
INBOX_SIZE = 100


@attrs.frozen
class InboxListing:
    conversations: Sequence[ConversationSummary]
    waiting: int  # conversations waiting for staff, for the page title


@attrs.define
class ShowInbox:
    views: ConversationViews

    async def execute(self, staff: StaffIdentity) -> InboxListing:
        conversations = await self.views.inbox(staff.tenant_id, INBOX_SIZE)
        return InboxListing(conversations, await self.views.waiting(staff.tenant_id))
