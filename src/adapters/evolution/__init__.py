"""Evolution API, the Baileys-based WhatsApp gateway: webhook events (`webhook`) and sending (`gateway`)."""
