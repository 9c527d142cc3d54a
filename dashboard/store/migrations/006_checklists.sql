-- name: 006_checklists
-- The two guidance checklists (issue 19): their items, versioned, and the checklists filled in.
--
-- checklist_items: one row per version of an item. Rewording, retiring or bringing back an item
-- adds a version; no row is ever changed, so an answer keeps the wording it was given under
-- (checklist_answers.item_version). An item's newest version says whether it is in use.
CREATE TABLE checklist_items (
    checklist       VARCHAR NOT NULL,      -- guidance | collaboration
    item_id         VARCHAR NOT NULL,      -- stable code, unique over both checklists
    version         INTEGER NOT NULL,
    position        INTEGER NOT NULL,      -- order on the checklist
    wording_nl      VARCHAR NOT NULL,
    wording_en      VARCHAR NOT NULL,
    explanation_nl  VARCHAR NOT NULL,
    explanation_en  VARCHAR NOT NULL,
    retired         BOOLEAN NOT NULL DEFAULT false,
    changed_by      VARCHAR NOT NULL,
    changed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- One filled-in checklist: one party's view (student, school, workplace) on one day, on its
-- own or attached to a fixed contact moment (contact_id, then also its placement).
-- recorded_by: the person_id of whoever entered it (the user's username when they have none).
CREATE TABLE checklists (
    checklist_id  VARCHAR PRIMARY KEY,
    student_id    VARCHAR NOT NULL,
    checklist     VARCHAR NOT NULL,
    party         VARCHAR NOT NULL,
    filled_on     DATE NOT NULL,
    placement_id  VARCHAR,
    contact_id    VARCHAR,
    recorded_by   VARCHAR NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);

-- Its answers: one per item, with the item version shown; score sufficient (voldoende),
-- improve (ruimte voor verbetering) or not_discussed (niet besproken).
CREATE TABLE checklist_answers (
    checklist_id  VARCHAR NOT NULL,
    student_id    VARCHAR NOT NULL,
    item_id       VARCHAR NOT NULL,
    item_version  INTEGER NOT NULL,
    score         VARCHAR NOT NULL,
    note          VARCHAR,
    PRIMARY KEY (checklist_id, item_id)
);

INSERT INTO checklist_items
SELECT checklist, item_id, 1, position, wording_nl, wording_en, explanation_nl, explanation_en,
       false, 'regiebord', current_timestamp::TIMESTAMP
FROM (VALUES
    ('guidance', 'relationship', 1, 'Goede relatie', 'A good relationship',
     'De student vertrouwt de begeleider en voelt zich gezien; er is ruimte voor een persoonlijk gesprek.',
     'The student trusts the guide and feels seen; there is room for a personal conversation.'),
    ('guidance', 'picture', 2, 'Goed beeld van de student', 'A good picture of the student',
     'De begeleider kent de situatie, talenten en zorgen van de student, en weet wat daarvan gedeeld mag worden.',
     'The guide knows the student''s situation, talents and worries, and what of it may be shared.'),
    ('guidance', 'needs', 3, 'Inspelen op behoeften', 'Responding to needs',
     'De begeleiding past zich in tempo, vorm en hulp aan bij wat de student nu nodig heeft.',
     'Pace, form and help of the guidance follow what the student needs now.'),
    ('guidance', 'expectations', 4, 'Verwachtingen uitspreken', 'Stating expectations',
     'Wat school en werkplek van de student verwachten, en de student van hen, is hardop gezegd.',
     'What school and workplace expect of the student, and the student of them, has been said out loud.'),
    ('guidance', 'accessible', 5, 'Laagdrempelig bereikbaar', 'Being accessible',
     'De student weet hoe en wanneer de begeleider te bereiken is, en doet dat ook als het stokt.',
     'The student knows how and when to reach the guide, and does so when things stall.'),
    ('guidance', 'autonomy', 6, 'Zelfstandigheid bevorderen', 'Fostering autonomy',
     'De student krijgt ruimte om zelf keuzes te maken en stappen te zetten, met steun waar nodig.',
     'The student gets room to make choices and take steps, with support where needed.'),
    ('guidance', 'positive', 7, 'Positief en gericht op ontwikkeling', 'Positive and progress-oriented',
     'Het gesprek begint bij wat goed gaat en bij groei, niet alleen bij wat misgaat.',
     'The conversation starts from what goes well and from growth, not only from what goes wrong.'),
    ('guidance', 'goals', 8, 'Vasthouden aan doelen', 'Holding on to goals',
     'De begeleider houdt de afgesproken doelen vast, ook als het tegenzit, en komt er steeds op terug.',
     'The guide holds on to the agreed goals, also when things go badly, and keeps coming back to them.'),
    ('collaboration', 'informing', 1, 'Informeren', 'Informing each other',
     'School, werkplek en zorg vertellen elkaar op tijd over voortgang en problemen; de werkplek weet wie te bellen.',
     'School, workplace and care tell each other in time about progress and problems; the workplace knows whom to call.'),
    ('collaboration', 'shared_picture', 2, 'Gedeeld beeld', 'A shared picture',
     'Iedereen heeft hetzelfde beeld van de student; de student bepaalt wat er over hem of haar gedeeld wordt.',
     'Everyone has the same picture of the student; the student decides what is shared about them.'),
    ('collaboration', 'learning_needs', 3, 'Aansluiten bij leerbehoeften', 'Fitting the learning needs',
     'Student, praktijkbegeleider en mentor gaan samen na of de plek past bij wat de student wil en moet leren.',
     'Student, workplace supervisor and mentor check together that the placement fits what the student wants and needs to learn.'),
    ('collaboration', 'pedagogy', 4, 'Pedagogische aanpak', 'Pedagogical approach',
     'Huisregels, het aantal kansen en wat er gebeurt als afspraken niet worden nagekomen zijn afgestemd.',
     'House rules, how many chances, and what happens when agreements are broken have been aligned.'),
    ('collaboration', 'direction', 5, 'Regie en verantwoordelijkheid', 'Direction and responsibility',
     'Afgesproken is wie wat doet, wie de regie heeft, wie beslist en wie eindverantwoordelijk is, ook met de student.',
     'It is agreed who does what, who holds direction, who decides and who carries final responsibility, also with the student.'),
    ('collaboration', 'expertise', 6, 'Deskundigheid', 'Expertise',
     'Betrokkenen kennen en benutten elkaars deskundigheid en halen waar nodig interne of externe experts erbij.',
     'Those involved know and use each other''s expertise and bring in internal or external experts where needed.')
) AS t(checklist, item_id, position, wording_nl, wording_en, explanation_nl, explanation_en);
