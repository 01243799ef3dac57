"""Why the family model calls what it calls: occlusion attribution per player and frame,
and the play's tells in words."""
