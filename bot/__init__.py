"""Role Advisor core: the knowledge model, question understanding, answers, quizzes, storage.

The core never imports a chat platform library or anything in ``adapters``.
"""
from .advisor import Advisor, Answer, Context, Conversation, KnowledgeError

__all__ = ["Advisor", "Answer", "Context", "Conversation", "KnowledgeError"]
__version__ = "0.1.0"
