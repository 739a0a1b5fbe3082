"""Case work: cases, their people, places, plans, actions and agencies, and partner meetings."""
