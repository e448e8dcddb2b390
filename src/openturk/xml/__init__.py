"""MTurk's XML formats: QuestionForm, AnswerKey, QuestionFormAnswers."""
