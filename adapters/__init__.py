"""Platform adapters: the terminal (``cli``), Telegram (``telegram_bot``), Discord (``discord_bot``).

Each translates platform events into core calls and core replies into platform output; none holds
answering or quiz logic.
"""
