"""Mail that flows: the mail store (Dovecot's Maildirs), SMTP submission, delivery."""
