"""chat-rec: a conversational recommender that only recommends what is in its catalog."""

__version__ = "0.1.0"
