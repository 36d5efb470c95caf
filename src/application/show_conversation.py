import uuid

import attrs

from application.conversation_views import ConversationViews, Transcript
from application.errors import UnknownConversation
from application.staff_identity import StaffIdentity


@attrs.define
class ShowConversation:
    views: ConversationViews

    async def execute(self, staff: StaffIdentity, conversation_id: uuid.UUID) -> Transcript:
        """Raises `UnknownConversation` for another tenant's conversation as for a missing one."""
        transcript = await self.views.transcript(staff.tenant_id, conversation_id)
        if transcript is None:
            raise UnknownConversation(f"no conversation {conversation_id}")
        return transcript
