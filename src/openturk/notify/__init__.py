"""Delivering notifications: the sender that takes event documents from the outbox to SQS, SNS or the
requester's inbox."""
