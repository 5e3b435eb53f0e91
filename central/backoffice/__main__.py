"""`python -m central.backoffice ...`: back-office account commands."""

from central.backoffice.users_cli import backoffice

backoffice()
