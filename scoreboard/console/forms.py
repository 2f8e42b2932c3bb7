"""Input of console actions. Every form carries the event version the editor saw."""

from __future__ import annotations

from django import forms

from scoreboard.models import IncidentKind, Side


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ScoreForm(VersionedForm):
    side = forms.ChoiceField(choices=Side.choices)
    points = forms.IntegerField(min_value=1, max_value=3, required=False)
    kind = forms.ChoiceField(
        choices=[
            (IncidentKind.GOAL, "Goal"),
            (IncidentKind.PENALTY_GOAL, "Penalty"),
            (IncidentKind.OWN_GOAL, "Own goal"),
        ],
        required=False,
    )
    player = forms.CharField(max_length=120, required=False)
    minute = forms.IntegerField(min_value=0, max_value=200, required=False)


class CardForm(VersionedForm):
    side = forms.ChoiceField(choices=Side.choices)
    color = forms.ChoiceField(choices=[("yellow", "Yellow"), ("red", "Red")])
    player = forms.CharField(max_length=120, required=False)
    minute = forms.IntegerField(min_value=0, max_value=200, required=False)


class SubstitutionForm(VersionedForm):
    side = forms.ChoiceField(choices=Side.choices)
    player = forms.CharField(max_length=120, required=False, label="On")
    player_out = forms.CharField(max_length=120, required=False, label="Off")
    minute = forms.IntegerField(min_value=0, max_value=200, required=False)


class PeriodForm(VersionedForm):
    period = forms.CharField(max_length=8, required=False)


class ClockForm(VersionedForm):
    running = forms.TypedChoiceField(
        choices=[("1", "start"), ("0", "stop")], coerce=lambda value: value == "1"
    )


class FinishForm(VersionedForm):
    pass


class RemoveIncidentForm(VersionedForm):
    incident = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=200)


class CorrectIncidentForm(VersionedForm):
    incident = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=200)
    player = forms.CharField(max_length=120, required=False)
    minute = forms.IntegerField(min_value=0, max_value=200, required=False)


# Each console action and the form its input must pass (the console's POST endpoint and
# the admin's quick actions alike: nothing reaches a service unvalidated).
ACTION_FORMS: dict[str, type[VersionedForm]] = {
    "score": ScoreForm,
    "card": CardForm,
    "sub": SubstitutionForm,
    "period": PeriodForm,
    "clock": ClockForm,
    "finish": FinishForm,
    "remove": RemoveIncidentForm,
    "correct": CorrectIncidentForm,
}


def errors_text(form: forms.Form) -> str:
    """A form's errors on one line, for a message to the editor."""
    return "; ".join(
        f"{name.replace('_', ' ')}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
        for name, errors in form.errors.items()
    )
