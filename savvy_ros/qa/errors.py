"""Why a spatial question could not be answered. Each message is shown to the asker as is."""
from __future__ import annotations


class QuestionError(ValueError):
    """Base: a question cannot be answered; str(error) is the human-readable reason."""

    code = 'question_error'


class EmptyQuestionError(QuestionError):
    code = 'empty_question'


class QuestionTooLongError(QuestionError):
    code = 'question_too_long'


class UnparseableQuestionError(QuestionError):
    code = 'unparseable_question'


class MalformedOptionsError(QuestionError):
    code = 'malformed_options'


class UnknownObjectError(QuestionError):
    code = 'unknown_object'


class EventNotHeardError(QuestionError):
    code = 'event_not_heard'


class TimeOutsideRecordingError(QuestionError):
    code = 'time_outside_recording'


class InvalidWindowError(QuestionError):
    """The caller's explicit event window is not an interval (non-finite, or ending before it starts)."""

    code = 'invalid_window'


class EmptyMapError(QuestionError):
    code = 'empty_map'


class SourceNotLocatedError(QuestionError):
    code = 'source_not_located'
